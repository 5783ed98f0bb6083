// A JSON syntax checker that reports the offset of the first mistake. JSON.parse's messages do not always carry
// a position; users of a JSON definition deserve a line and column like YAML users get.

export interface JsonSyntaxError {
  readonly offset: number;
  readonly message: string;
}

/** Returns the first syntax error in `text`, or undefined when it is valid JSON. Never recurses. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  return new JsonScanner(text).run();
}

type Expectation = 'value' | 'key' | 'after-value' | 'after-key';

class JsonScanner {
  #pos = 0;
  readonly #stack: ('object' | 'array')[] = [];
  #expect: Expectation = 'value';
  #afterComma = false;

  constructor(private readonly text: string) {}

  run(): JsonSyntaxError | undefined {
    for (;;) {
      this.#skipWhitespace();
      const char = this.text[this.#pos];
      if (char === undefined) {
        if (this.#stack.length > 0 || this.#expect !== 'after-value') {
          return this.#fail(
            this.#stack.length > 0
              ? `unexpected end of input: an ${this.#stack.at(-1)} is not closed`
              : 'unexpected end of input: expected a value',
          );
        }
        return undefined;
      }
      const error = this.#step(char);
      if (error) return error;
    }
  }

  #step(char: string): JsonSyntaxError | undefined {
    const top = this.#stack.at(-1);
    switch (this.#expect) {
      case 'value':
        if (char === ']' && top === 'array' && !this.#afterComma) return this.#close();
        return this.#value(char);
      case 'key':
        if (char === '}' && !this.#afterComma) return this.#close();
        if (char !== '"')
          return this.#fail(`expected a property name in double quotes, found ${describe(char)}`);
        return this.#string() ?? this.#then('after-key');
      case 'after-key':
        if (char !== ':') return this.#fail(`expected ':' after a property name, found ${describe(char)}`);
        this.#pos++;
        return this.#then('value');
      case 'after-value':
        if (top === undefined)
          return this.#fail(`unexpected ${describe(char)} after the end of the document`);
        if (char === ',') {
          this.#pos++;
          this.#afterComma = true;
          this.#expect = top === 'object' ? 'key' : 'value';
          return undefined;
        }
        if ((char === '}' && top === 'object') || (char === ']' && top === 'array')) return this.#close();
        return this.#fail(`expected ',' or '${top === 'object' ? '}' : ']'}', found ${describe(char)}`);
    }
  }

  #value(char: string): JsonSyntaxError | undefined {
    if (char === '{' || char === '[') {
      this.#stack.push(char === '{' ? 'object' : 'array');
      this.#pos++;
      this.#afterComma = false;
      this.#expect = char === '{' ? 'key' : 'value';
      return undefined;
    }
    if (char === '"') return this.#string() ?? this.#then('after-value');
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(
      this.text.slice(this.#pos, this.#pos + 400),
    );
    if (literal) {
      this.#pos += literal[0].length;
      return this.#then('after-value');
    }
    if (this.#afterComma && (char === '}' || char === ']'))
      return this.#fail(`trailing comma before ${describe(char)}`);
    return this.#fail(`expected a value, found ${describe(char)}`);
  }

  #string(): JsonSyntaxError | undefined {
    const start = this.#pos;
    this.#pos++;
    for (;;) {
      const char = this.text[this.#pos];
      if (char === undefined) {
        this.#pos = start;
        return this.#fail('unterminated string');
      }
      if (char === '"') {
        this.#pos++;
        return undefined;
      }
      if (char === '\\') {
        const escape = /^\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/.exec(this.text.slice(this.#pos, this.#pos + 6));
        if (!escape) return this.#fail('invalid escape sequence in string');
        this.#pos += escape[0].length;
        continue;
      }
      if (char < ' ') return this.#fail('control character in string (escape it)');
      this.#pos++;
    }
  }

  #close(): undefined {
    this.#stack.pop();
    this.#pos++;
    this.#expect = 'after-value';
    this.#afterComma = false;
    return undefined;
  }

  #then(next: Expectation): undefined {
    this.#expect = next;
    this.#afterComma = false;
    return undefined;
  }

  #skipWhitespace(): void {
    while (/[ \t\r\n]/.test(this.text[this.#pos] ?? '')) this.#pos++;
  }

  #fail(message: string): JsonSyntaxError {
    return { offset: this.#pos, message };
  }
}

function describe(char: string): string {
  return `'${char}'`;
}
