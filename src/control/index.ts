/*
 * control/index.ts - the control layer's public face (SPEC 11): the operations the CLI, the admin
 * HTTP API and the daemon's unix socket all call, the API's router and its access rules, and the
 * control socket with its client.
 */
export { badParams, inboxList, inboxShow, inboxView, localSmtpTarget, OPERATIONS, publicUser, purgeBefore, runOperation, type ControlContext, type InboxView, type OperationName, type Params, type SendRequest } from './operations.js';
export { createApiHandler, MAX_BODY_BYTES, ROUTES, statusOf, type ApiOptions } from './router.js';
export { checkAccess, hasToken, MIN_TOKEN_LENGTH, readTokenFile, type Access } from './auth.js';
export { CONTROL_SOCKET, controlSocketPath, requestDaemon, startControlSocket, type ControlSocket } from './socket.js';
