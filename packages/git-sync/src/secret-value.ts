const REDACTED = "[redacted]";

/**
 * A secret held so that no way of printing it shows it: JSON (pino, events), `util.inspect`
 * (console, errors), string templates. Logger redact paths cover known keys at one depth; this
 * covers the rest, e.g. a whole config logged by mistake. Only `reveal()` gives the value.
 */
export class SecretValue {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return REDACTED;
  }
}
