import { describe, expect, it } from 'vitest';
import { rtspSocketTimeoutOption } from '../../foundation/media/ffmpeg-binaries.ts';
import * as sourceUrl from '../../foundation/media/source-url.ts';

const { isNetworkSource, maskCredentials, maskedErrorText, networkInputArgs } = sourceUrl;

describe('source URLs', () => {
  it('tells network sources from files', () => {
    expect(isNetworkSource('rtsp://10.0.0.5:554/s')).toBe(true);
    expect(isNetworkSource('HTTPS://cam/x.mjpg')).toBe(true);
    expect(isNetworkSource('file:///data/x.mp4')).toBe(false);
    expect(isNetworkSource('/data/x.mp4')).toBe(false);
    expect(isNetworkSource('C:\\video\\x.mp4')).toBe(false);
  });

  it('gives RTSP its transport and socket timeout, other streams -rw_timeout, files nothing', () => {
    const rtsp = networkInputArgs('rtsps://cam/s', { rtspTransport: 'udp', ioTimeoutSeconds: 0.5 });
    expect(rtsp).toEqual(['-rtsp_transport', 'udp', rtspSocketTimeoutOption(), '500000']);
    expect(networkInputArgs('http://cam/x.mjpg', { rtspTransport: 'tcp', ioTimeoutSeconds: 2 })).toEqual([
      '-rw_timeout',
      '2000000',
    ]);
    expect(networkInputArgs('/data/x.mp4', { rtspTransport: 'tcp', ioTimeoutSeconds: 2 })).toEqual([]);
  });

  it('hides passwords in URLs inside messages, and cuts long ones', () => {
    expect(maskCredentials('ffmpeg exited reading rtsp://admin:s3cr3t@10.0.0.5/s: 401')).toBe(
      'ffmpeg exited reading rtsp://admin:***@10.0.0.5/s: 401',
    );
    expect(maskCredentials('rtsp://10.0.0.5:554/s')).toBe('rtsp://10.0.0.5:554/s');
    expect(maskedErrorText(new Error('rtsp://a:b@h/s'))).toBe('rtsp://a:***@h/s');
    expect(maskedErrorText('x'.repeat(1200))).toBe(`${'x'.repeat(1000)}…`);
  });
});
