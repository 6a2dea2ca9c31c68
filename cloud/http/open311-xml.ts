/** Open311's XML form: a root element of `item` elements, each field a child element. */
export function toXml(root: string, item: string, records: readonly Record<string, unknown>[]): string {
  const body = records
    .map((record) => {
      const fields = Object.entries(record)
        .map(
          ([key, value]) =>
            `<${key}>${value === null || value === undefined ? '' : escapeXml(formatValue(value))}</${key}>`,
        )
        .join('');
      return `<${item}>${fields}</${item}>`;
    })
    .join('');
  return `<?xml version="1.0" encoding="utf-8"?><${root}>${body}</${root}>`;
}

function formatValue(value: unknown): string {
  return Array.isArray(value)
    ? value.join(',')
    : typeof value === 'object'
      ? JSON.stringify(value)
      : String(value);
}

function escapeXml(text: string): string {
  return text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string,
  );
}
