/** A template failed to parse or execute; the message is worded as Go's text/template words it. */
export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TemplateError";
  }
}
