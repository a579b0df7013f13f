// User-Agent parsing on real headers of current browsers, desktop and mobile, and of bots.
import { expect } from 'chai';
import { describeUserAgent, parseUserAgent } from '../../server/http/user-agent.ts';

const UA = {
  chromeWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  firefoxWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
  safariMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15',
  safariIphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1',
  safariIpad: 'Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  chromeAndroid: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  firefoxAndroid: 'Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0',
  edgeWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.67',
  googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  headless: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36',
  curl: 'curl/8.5.0',
  python: 'python-requests/2.31.0',
};

describe('user agent parsing', () => {
  it('reads desktop browsers: browser, major version, OS', () => {
    expect(parseUserAgent(UA.chromeWindows)).to.deep.equal({ browser: 'Chrome', browserMajor: 124, os: 'Windows', deviceType: 'desktop' });
    expect(parseUserAgent(UA.firefoxLinux)).to.deep.equal({ browser: 'Firefox', browserMajor: 125, os: 'Linux', deviceType: 'desktop' });
    expect(parseUserAgent(UA.safariMac)).to.deep.equal({ browser: 'Safari', browserMajor: 17, os: 'macOS', deviceType: 'desktop' });
    expect(parseUserAgent(UA.edgeWindows)).to.deep.equal({ browser: 'Microsoft Edge', browserMajor: 124, os: 'Windows', deviceType: 'desktop' });
  });

  it('reads phones and tablets', () => {
    expect(parseUserAgent(UA.safariIphone)).to.deep.equal({ browser: 'Safari', browserMajor: 17, os: 'iOS', deviceType: 'mobile' });
    expect(parseUserAgent(UA.chromeAndroid)).to.deep.equal({ browser: 'Chrome', browserMajor: 124, os: 'Android', deviceType: 'mobile' });
    expect(parseUserAgent(UA.firefoxAndroid)).to.deep.equal({ browser: 'Firefox', browserMajor: 125, os: 'Android', deviceType: 'mobile' });
    expect(parseUserAgent(UA.safariIpad)).to.deep.include({ browser: 'Safari', os: 'iOS', deviceType: 'tablet' });
  });

  it('calls crawlers, headless browsers and HTTP libraries bots', () => {
    expect(parseUserAgent(UA.googlebot)).to.deep.include({ browser: 'Googlebot', deviceType: 'bot' });
    expect(parseUserAgent(UA.headless).deviceType).to.equal('bot');
    expect(parseUserAgent(UA.curl)).to.deep.equal({ browser: 'Unknown', os: 'Unknown', deviceType: 'bot' });
    expect(parseUserAgent(UA.python).deviceType).to.equal('bot');
  });

  it('answers "unknown" for a missing or empty header instead of throwing', () => {
    expect(parseUserAgent(undefined)).to.deep.equal({ browser: 'Unknown', os: 'Unknown', deviceType: 'unknown' });
    expect(parseUserAgent('   ')).to.deep.equal({ browser: 'Unknown', os: 'Unknown', deviceType: 'unknown' });
  });

  it('describes the client for people', () => {
    expect(describeUserAgent(parseUserAgent(UA.firefoxWindows))).to.equal('Firefox on Windows');
    expect(describeUserAgent(parseUserAgent(UA.safariIphone))).to.equal('Safari on iOS');
    expect(describeUserAgent(parseUserAgent(UA.googlebot))).to.equal('Googlebot (automated client)');
    expect(describeUserAgent(parseUserAgent(UA.curl))).to.equal('a script (automated client)');
    expect(describeUserAgent(parseUserAgent(''))).to.equal('an unknown browser');
  });
});
