import { describe, expect, it } from 'vitest';
import { normalisePlateText, validatePlate } from '../../edge/plates/plate-text.ts';

describe('Chinese plate validation', () => {
  it('accepts blue and yellow standard plates: province, authority letter, five letters or digits', () => {
    expect(validatePlate('粤A12345')).toEqual({ text: '粤A12345', kind: 'standard' });
    expect(validatePlate('京N8P8F8')?.text).toBe('京N8P8F8');
    expect(validatePlate('湘B·K3J21')?.text).toBe('湘BK3J21');
  });

  it('accepts new-energy plates with D or F third (small) or eighth (large), and calls them green', () => {
    expect(validatePlate('粤AD12345')).toEqual({
      text: '粤AD12345',
      kind: 'new-energy',
      impliedColor: 'green',
    });
    expect(validatePlate('粤BFA0123')?.kind).toBe('new-energy');
    expect(validatePlate('粤A12345D')).toEqual({
      text: '粤A12345D',
      kind: 'new-energy',
      impliedColor: 'green',
    });
    // six characters without D/F in either place are no plate
    expect(validatePlate('粤A123456')).toBeUndefined();
    expect(validatePlate('粤AK12345')).toBeUndefined();
  });

  it('accepts yellow trailer and coach plates ending in 挂 or 学', () => {
    expect(validatePlate('粤A1234挂')).toEqual({
      text: '粤A1234挂',
      kind: 'standard',
      impliedColor: 'yellow',
    });
    expect(validatePlate('粤B0123学')?.impliedColor).toBe('yellow');
  });

  it('folds what OCR adds: separators, full-width forms, lower case', () => {
    expect(normalisePlateText('粤Ａ·１２３４５')).toBe('粤A12345');
    expect(validatePlate('粤a 12-345')?.text).toBe('粤A12345');
  });

  it('refuses what no plate can be, rather than correcting it', () => {
    for (const text of [
      '',
      '粤A1234', // too short
      '粤A1234567', // too long
      'XA12345', // no province
      '港A12345', // not a province abbreviation
      '粤112345', // authority must be a letter
      '粤I12345', // I is never used
      '粤AO2345', // O is never used in a serial
      '粤A1I345',
      '粤AABC12', // three letters in a standard serial
      '粤A12挂45', // 挂 only at the end
    ]) {
      expect(validatePlate(text), text).toBeUndefined();
    }
  });
});
