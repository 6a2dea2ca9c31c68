/**
 * An error with a code from its process's catalogue; a user sees `CODE: message`, where the
 * message names the file, field or value at fault. Each catalogue subclasses it with its own name.
 */
export class CodedError<Code extends string> extends Error {
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
