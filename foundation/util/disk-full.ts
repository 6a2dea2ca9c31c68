const FULL_CODES = new Set(['ENOSPC', 'EDQUOT']);
const FULL_TEXT = /no space left on device|disk quota exceeded/i;

/** Whether an error (or its cause) is a write refused for want of space, as Node or ffmpeg words it. */
export function isDiskFull(error: unknown): boolean {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && FULL_CODES.has(code)) return true;
    if (e instanceof Error && FULL_TEXT.test(e.message)) return true;
    if (typeof e === 'string') return FULL_TEXT.test(e);
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
