/**
 * Chinese plates as GA 36-2018 numbers them, checked on text the OCR read. Pure: no I/O.
 *
 * - Standard (blue small cars, yellow large vehicles): province abbreviation, the issuing authority's
 *   letter, five serial characters (letters and digits, at most two letters); a yellow trailer or
 *   coach plate ends in 挂 or 学 instead of the fifth.
 * - New energy (green): province, letter, six serial characters: D or F (pure electric or not) then
 *   one letter or digit and four digits on small vehicles, or five digits then D or F on large ones.
 * - I and O are never used (they read as 1 and 0), neither as the authority's letter nor in a serial.
 */

export const PROVINCES = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼';

export type PlateKind = 'standard' | 'new-energy';

export interface ValidPlate {
  /** Without separators, e.g. 粤A12345 or 粤AD12345. */
  text: string;
  kind: PlateKind;
  /** The colour the format alone implies: green for new energy, yellow for 挂 and 学; else unknown. */
  impliedColor?: 'green' | 'yellow';
}

const LETTER = 'A-HJ-NP-Z';
const province = `[${PROVINCES}]`;
const STANDARD = new RegExp(`^${province}[${LETTER}]([${LETTER}0-9]{5}|[${LETTER}0-9]{4}[挂学])$`, 'u');
const NEW_ENERGY_SMALL = new RegExp(`^${province}[${LETTER}][DF][${LETTER}0-9][0-9]{4}$`, 'u');
const NEW_ENERGY_LARGE = new RegExp(`^${province}[${LETTER}][0-9]{5}[DF]$`, 'u');
const MAX_SERIAL_LETTERS = 2;

/** Separators printed on plates or read in by OCR: the middle dot, spaces, hyphens. */
const SEPARATORS = /[\s·•.．\-_:：]/gu;

/** OCR text as plate text: full-width forms folded to ASCII, upper case, separators removed. */
export function normalisePlateText(raw: string): string {
  return raw.normalize('NFKC').toUpperCase().replace(SEPARATORS, '');
}

function serialLetters(serial: string): number {
  let letters = 0;
  for (const ch of serial) if (ch >= 'A' && ch <= 'Z') letters++;
  return letters;
}

/** The plate, when `raw` reads as a valid Chinese plate; undefined otherwise (never corrected). */
export function validatePlate(raw: string): ValidPlate | undefined {
  const text = normalisePlateText(raw);
  const chars = [...text];
  if (NEW_ENERGY_SMALL.test(text) || NEW_ENERGY_LARGE.test(text)) {
    return { text, kind: 'new-energy', impliedColor: 'green' };
  }
  if (!STANDARD.test(text)) return undefined;
  const serial = chars.slice(2).join('');
  if (serialLetters(serial) > MAX_SERIAL_LETTERS) return undefined;
  const last = chars[chars.length - 1];
  return last === '挂' || last === '学'
    ? { text, kind: 'standard', impliedColor: 'yellow' }
    : { text, kind: 'standard' };
}
