import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** GET a URL on loopback and return its status code; used only by readiness checks. */
export function getStatus(
  url: string,
  options: { ca?: string; token?: string; insecure?: boolean } = {}
): Promise<number> {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: 'GET',
        ca: options.ca,
        rejectUnauthorized: !options.insecure,
        headers: options.token ? { Authorization: `Bearer ${options.token}` } : {},
        timeout: 2000,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }
    );
    req.on('timeout', () => req.destroy(new Error(`timeout on ${url}`)));
    req.on('error', reject);
    req.end();
  });
}
