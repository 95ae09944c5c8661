import { readFile } from 'node:fs/promises';

/** A JSON file that cannot be read or parsed; the message names the file and, for syntax, where. */
export class JsonFileError extends Error {
  override readonly name = 'JsonFileError';
  constructor(
    readonly file: string,
    message: string,
    readonly line?: number,
    readonly column?: number
  ) {
    super(line === undefined ? `${file}: ${message}` : `${file}:${line}:${column}: ${message}`);
  }
}

/** Reads and parses a JSON file. A syntax error names the file, the line and the column (1-based). */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new JsonFileError(
      file,
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory, expected a JSON file'
          : `cannot be read (${code ?? String(err)})`
    );
  }
  return parseJsonText(text, file);
}

/** `JSON.parse`, with a syntax error located by line and column (V8's own message gives neither on every Node version). */
export function parseJsonText(text: string, file: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    const { offset, message } = locateJsonError(body);
    const { line, column } = lineAndColumn(body, offset);
    throw new JsonFileError(file, `invalid JSON: ${message}`, line, column);
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

class Syntax extends Error {
  constructor(
    readonly offset: number,
    message: string
  ) {
    super(message);
  }
}

/**
 * Finds the first syntax error of a text JSON.parse refused: a strict RFC 8259 scan that stops
 * at the first character that cannot continue the document.
 */
export function locateJsonError(text: string): { offset: number; message: string } {
  let i = 0;
  const describe = (at: number) => (at >= text.length ? 'the end of the file' : JSON.stringify(text[at]));
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const expect = (what: string): never => {
    throw new Syntax(i, `expected ${what}, found ${describe(i)}`);
  };
  const literal = (word: string) => {
    for (let k = 0; k < word.length; k++) {
      if (text[i] !== word[k]) expect(`"${word}"`);
      i++;
    }
  };
  const string = () => {
    i++; // the opening quote
    for (;;) {
      if (i >= text.length) throw new Syntax(i, 'unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) throw new Syntax(i, 'control character (such as a line break) inside a string');
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) throw new Syntax(i, 'invalid \\u escape');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else throw new Syntax(i, 'invalid escape in a string');
      } else i++;
    }
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m || m[0] === '-') expect('a value');
    i += m![0].length;
  };
  const value = (depth: number): void => {
    if (depth > 512) throw new Syntax(i, 'nested too deeply');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"')
          expect(text[i] === '}' ? 'a property name (no comma before "}")' : 'a double-quoted property name');
        string();
        ws();
        if (text[i] !== ':') expect('":" after a property name');
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        expect('"," or "}" after a property value');
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] === ']') expect('a value (no comma before "]")');
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        expect('"," or "]" after an array element');
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    expect('a value');
  };
  try {
    value(0);
    ws();
    if (i < text.length) expect('the end of the file after the JSON value');
  } catch (err) {
    if (err instanceof Syntax) return { offset: err.offset, message: err.message };
    throw err;
  }
  // JSON.parse refused what this scan accepts: say so rather than point somewhere wrong.
  return { offset: 0, message: 'not valid JSON' };
}
