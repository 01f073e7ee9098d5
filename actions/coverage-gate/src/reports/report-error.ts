/** A report that cannot be read as its format; the caller adds the file's name. */
export class ReportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportError';
  }
}
