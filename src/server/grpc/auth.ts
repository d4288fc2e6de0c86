// `authorization: Bearer <key>` call metadata, as REST's Authorization header: the scheme's name in any case, the key
// exactly, compared in constant time (both sides hashed first, so that the comparison does not leak the key's length).
import { createHash, timingSafeEqual } from 'node:crypto';
import { status, type Metadata } from '@grpc/grpc-js';
import { GrpcError } from './status.js';

const digest = (text: string) => createHash('sha256').update(text).digest();

export function bearerCheck(key: string, what: string): (metadata: Metadata) => void {
  const expected = digest(key);
  const hint = `send the metadata "authorization: Bearer <${what}>"`;
  return (metadata) => {
    const values = metadata.get('authorization');
    if (values.length === 0) throw new GrpcError(status.UNAUTHENTICATED, `missing authorization: ${hint}`);
    const match = values.length === 1 && typeof values[0] === 'string' ? /^bearer +(\S+)$/i.exec(values[0]) : null;
    if (!match || !timingSafeEqual(digest(match[1]), expected))
      throw new GrpcError(status.UNAUTHENTICATED, `invalid authorization: ${hint}`);
  };
}
