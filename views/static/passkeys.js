// Passkeys on Latchkey's pages (no inline script: the pages' CSP allows scripts from /static
// only). Uses @simplewebauthn/browser, served as /static/simplewebauthn-browser.js.
//   [data-passkey-signin]    sign in: data-options (GET a challenge), data-action (POST the
//                            assertion); data-autofill="yes" also offers passkeys in the email
//                            field's autofill (conditional UI)
//   [data-passkey-register]  the console: data-options, data-action, the name field #passkey-name
(function () {
  'use strict';
  var W = window.SimpleWebAuthnBrowser;
  if (!W || !W.browserSupportsWebAuthn()) return;
  // Read when used: the page's forms may come after this script.
  function csrf() {
    var field = document.querySelector('input[name="_csrf"]');
    return field ? field.value : '';
  }

  function getJson(url) {
    return fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } }).then(function (r) {
      if (!r.ok) throw new Error('options');
      return r.json();
    });
  }
  function postJson(url, body) {
    return fetch(url, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (answer) { return { ok: r.ok, answer: answer }; });
    });
  }

  var signin = document.querySelector('[data-passkey-signin]');
  if (signin) {
    var status = signin.querySelector('[role="status"]');
    var run = function (autofill) {
      return getJson(signin.dataset.options)
        .then(function (options) { return W.startAuthentication({ optionsJSON: options, useBrowserAutofill: autofill }); })
        .then(function (response) { return postJson(signin.dataset.action, { _csrf: csrf(), response: response }); })
        .then(function (result) {
          if (result.ok && result.answer.location) window.location.assign(result.answer.location);
          else status.textContent = result.answer.error_description || result.answer.error || 'That passkey was not accepted. Try again, or sign in another way.';
        });
    };
    signin.hidden = false;
    signin.querySelector('button').addEventListener('click', function () {
      status.textContent = '';
      run(false).catch(function () {
        status.textContent = 'No passkey was used. Try again, or sign in another way.';
      });
    });
    if (signin.dataset.autofill === 'yes' && W.browserSupportsWebAuthnAutofill) {
      W.browserSupportsWebAuthnAutofill().then(function (supported) {
        // A passkey picked from autofill signs in; a cancelled or replaced request says nothing.
        if (supported) run(true).catch(function () {});
      });
    }
  }

  var register = document.querySelector('[data-passkey-register]');
  if (register) {
    var regStatus = register.querySelector('[role="status"]');
    register.hidden = false;
    register.querySelector('button').addEventListener('click', function () {
      regStatus.textContent = '';
      var name = document.getElementById('passkey-name');
      getJson(register.dataset.options)
        .then(function (options) { return W.startRegistration({ optionsJSON: options }); })
        .then(function (response) { return postJson(register.dataset.action, { _csrf: csrf(), response: response, name: name ? name.value : '' }); })
        .then(function (result) {
          if (result.ok && result.answer.location) window.location.assign(result.answer.location);
          else regStatus.textContent = result.answer.error_description || result.answer.error || 'The passkey was not saved. Try again.';
        })
        .catch(function () {
          regStatus.textContent = 'No passkey was made. Try again.';
        });
    });
  }
})();
