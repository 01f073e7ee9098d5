/** Where logic writes what people read; main.ts hands in the runner's, tests their own. */
export interface Logger {
  info(message: string): void;
  warning(message: string): void;
  debug(message: string): void;
}
