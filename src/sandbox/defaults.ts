/**
 * Credentials the sandbox accepts out of the box. They are not secrets: they only open the local
 * emulator, and every part of portflow defaults to them so the demo and tests need no setup.
 */
export const SANDBOX_ACCOUNT_SID = 'AC5a2d000000000000000000000000f10a';
export const SANDBOX_AUTH_TOKEN = 'portflow-sandbox-auth-token-0000';
export const SANDBOX_API_KEY_SID = 'SK5a2d000000000000000000000000f10a';
export const SANDBOX_API_KEY_SECRET = 'portflow-sandbox-api-secret-0000';
export const SANDBOX_DEFAULT_PORT = 4010;
