/**
 * The node's console at `/`: plain HTML, CSS and one JavaScript module,
 * served without a token (they hold no data) under a strict CSP; every data
 * call carries the token the user pasted or passed as `/?token=`.
 *
 * @example
 * registerDashboardRoutes(server)
 */
export { registerDashboardRoutes } from './routes.ts'
