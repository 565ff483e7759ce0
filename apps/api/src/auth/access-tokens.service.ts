import { createSecretKey } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JsonWebTokenError, JwtService } from '@nestjs/jwt';
import { API_ENV, type ApiEnv } from '../config/api-env.token';

const ALGORITHM = 'HS256';

/**
 * Signs access tokens with JWT_SECRET and verifies them against it or, during a rotation, against
 * JWT_PREVIOUS_SECRET, so tokens issued before the switch keep working until they expire. Every
 * token names this API as issuer and audience, and is refused unless it does.
 */
@Injectable()
export class AccessTokens {
  private readonly current: JwtService;
  private readonly previous?: JwtService;

  constructor(@Inject(API_ENV) env: ApiEnv) {
    const service = (secret: string) =>
      new JwtService({
        // A KeyObject made once: given a string, jsonwebtoken first tries to parse it as a PEM
        // public key (and throws) on every verify, which cost about a tenth of a request.
        secret: createSecretKey(Buffer.from(secret, 'utf8')),
        signOptions: {
          algorithm: ALGORITHM,
          expiresIn: env.JWT_EXPIRES_IN_SECONDS,
          issuer: env.JWT_ISSUER,
          audience: env.JWT_AUDIENCE,
        },
        verifyOptions: {
          algorithms: [ALGORITHM],
          issuer: env.JWT_ISSUER,
          audience: env.JWT_AUDIENCE,
        },
      });
    this.current = service(env.JWT_SECRET);
    if (env.JWT_PREVIOUS_SECRET) this.previous = service(env.JWT_PREVIOUS_SECRET);
  }

  sign(userId: string): Promise<string> {
    return this.current.signAsync({ sub: userId });
  }

  /** The token's subject; rejects a token that is malformed, expired, or not ours. */
  async verify(token: string): Promise<unknown> {
    try {
      return (await this.current.verifyAsync<{ sub?: unknown }>(token)).sub;
    } catch (error) {
      // The signature is checked before the claims, so this error means "another secret".
      const otherSecret =
        error instanceof JsonWebTokenError && error.message === 'invalid signature';
      if (!otherSecret || !this.previous) throw error;
      return (await this.previous.verifyAsync<{ sub?: unknown }>(token)).sub;
    }
  }
}
