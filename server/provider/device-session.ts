// Works around an oidc-provider 9.13 fault: when the device code page (/device, /device/:uid)
// fails for a browser with no stored session, its error handler touches the brand-new session
// and ensureSessionSave then throws "persist can only be called on previously persisted
// Sessions", turning a 400 into a 500. Such a browser gets a 400 page that leads back to a fresh
// code entry page, where a session is created; anything else is rethrown untouched.
import type { Middleware } from 'koa';
import { LatchkeyError } from '../errors.ts';
import { isUnder, ROUTES } from '../http/routes.ts';
import { isUnsavedSessionFault } from './internals.ts';

export function deviceSessionRecovery(): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const unsaved = isUnsavedSessionFault(error);
      if (!unsaved || !isUnder(ctx.path, 'code_verification')) throw error;
      throw new LatchkeyError(400, 'invalid_request', 'This code entry page has expired. Enter the code from your device again.', { backUrl: ROUTES.code_verification.path });
    }
  };
}
