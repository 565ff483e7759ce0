import { Inject, Injectable } from '@nestjs/common';
import { createSigner, createVerifier, TokenError } from 'fast-jwt';
import { API_ENV, type ApiEnv } from '../config/api-env.token';

const ALGORITHM = 'HS256';

/**
 * Signs access tokens with JWT_SECRET and verifies them against it or, during a rotation, against
 * JWT_PREVIOUS_SECRET, so tokens issued before the switch keep working until they expire. Every
 * token names this API as issuer and audience, and is refused unless it does. Signer and
 * verifiers are compiled once here (fast-jwt): every authenticated request verifies a token.
 */
@Injectable()
export class AccessTokens {
  private readonly signer: (payload: { sub: string }) => string;
  private readonly current: (token: string) => { sub?: unknown };
  private readonly previous?: (token: string) => { sub?: unknown };

  constructor(@Inject(API_ENV) env: ApiEnv) {
    this.signer = createSigner({
      key: env.JWT_SECRET,
      algorithm: ALGORITHM,
      // fast-jwt counts in milliseconds.
      expiresIn: env.JWT_EXPIRES_IN_SECONDS * 1000,
      iss: env.JWT_ISSUER,
      aud: env.JWT_AUDIENCE,
    });
    const verifier = (secret: string) =>
      createVerifier({
        key: secret,
        algorithms: [ALGORITHM],
        allowedIss: env.JWT_ISSUER,
        allowedAud: env.JWT_AUDIENCE,
        // fast-jwt checks a claim only if the token has it: without these a token naming no
        // issuer or audience, or never expiring, would pass.
        requiredClaims: ['iss', 'aud', 'exp'],
      });
    this.current = verifier(env.JWT_SECRET);
    if (env.JWT_PREVIOUS_SECRET) this.previous = verifier(env.JWT_PREVIOUS_SECRET);
  }

  sign(userId: string): string {
    return this.signer({ sub: userId });
  }

  /** The token's subject; throws for a token that is malformed, expired, or not ours. */
  verify(token: string): unknown {
    try {
      return this.current(token).sub;
    } catch (error) {
      // The signature is checked before the claims, so this error means "another secret".
      const otherSecret =
        error instanceof TokenError && error.code === TokenError.codes.invalidSignature;
      if (!otherSecret || !this.previous) throw error;
      return this.previous(token).sub;
    }
  }
}
