// Route of the Denoise Na mode (mirrors src/extension/id.ts ROUTE_NAME; test/server checks they agree).
export const ROUTE_NAME = 'sodium';
