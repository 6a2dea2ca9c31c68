/** A small Prometheus text parser, enough to check the format. */

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function unescapeLabel(value: string): string {
  return value.replace(/\\(["\\n])/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

export function parseExposition(text: string) {
  const help = new Map<string, string>();
  const type = new Map<string, string>();
  const samples: ParsedSample[] = [];
  const problems: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (comment) {
      const [, kind, name = '', rest = ''] = comment;
      (kind === 'HELP' ? help : type).set(name, rest);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) {
      problems.push(`unparsable line: ${JSON.stringify(line)}`);
      continue;
    }
    const [, name = '', labelText = '', value = ''] = sample;
    if (!type.has(name)) problems.push(`${name}: sample before its TYPE line`);
    const labels: Record<string, string> = {};
    const labelRe = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/gy;
    let consumed = 0;
    for (let m = labelRe.exec(labelText); m !== null; m = labelRe.exec(labelText)) {
      labels[m[1] ?? ''] = unescapeLabel(m[2] ?? '');
      consumed = labelRe.lastIndex;
    }
    if (consumed !== labelText.length) problems.push(`bad labels: ${labelText}`);
    samples.push({ name, labels, value: Number(value) });
  }
  return { help, type, samples, problems };
}

export function sampleValue(
  samples: ParsedSample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return samples.find(
    (s) =>
      s.name === name &&
      Object.keys(labels).length === Object.keys(s.labels).length &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;
}
