import { rtspSocketTimeoutOption } from './ffmpeg-binaries.ts';

const NETWORK_URL = /^[a-z][a-z0-9+.-]*:\/\//i;
const RTSP_URL = /^rtsps?:\/\//i;

/** Whether ffmpeg reads the source over the network (a URL other than `file://`). */
export function isNetworkSource(source: string): boolean {
  return NETWORK_URL.test(source) && !/^file:/i.test(source);
}

export interface NetworkInputOptions {
  /** RTSP sources: the RTP transport (`-rtsp_transport`); ffmpeg's own default tries UDP, then TCP. */
  rtspTransport?: 'tcp' | 'udp';
  /**
   * Network sources: ffmpeg gives up (and exits) when a socket read or write blocks this long, so a
   * server that vanishes without closing the connection is noticed. RTSP: `-timeout` (`-stimeout`
   * before ffmpeg 5); other protocols: `-rw_timeout`.
   */
  ioTimeoutSeconds?: number;
}

/** ffmpeg input options for reading `source` over the network; none for a file. */
export function networkInputArgs(source: string, options: NetworkInputOptions): string[] {
  const args: string[] = [];
  const rtsp = RTSP_URL.test(source);
  if (rtsp && options.rtspTransport) args.push('-rtsp_transport', options.rtspTransport);
  if (options.ioTimeoutSeconds !== undefined && isNetworkSource(source)) {
    const micros = String(Math.round(options.ioTimeoutSeconds * 1_000_000));
    args.push(rtsp ? rtspSocketTimeoutOption() : '-rw_timeout', micros);
  }
  return args;
}

/** Masks the password in `scheme://user:password@host` URLs inside a message. */
export function maskCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*):[^@\s/]*@/gi, '$1:***@');
}

/** An error's message for logs and stats: at most 1000 characters, passwords in URLs masked. */
export function maskedErrorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return maskCredentials(text.length > 1000 ? `${text.slice(0, 1000)}…` : text);
}
