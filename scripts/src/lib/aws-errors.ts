const CREDENTIAL_ERRORS = new Set([
  'CredentialsProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'UnrecognizedClientException',
]);

/** Turns an AWS SDK error into one a person can act on; other errors pass through unchanged. */
export function explainAwsError(error: unknown, action: string): Error {
  if (!(error instanceof Error)) return new Error(`${action}: ${String(error)}`);
  if (CREDENTIAL_ERRORS.has(error.name)) {
    return new Error(
      `${action}: AWS credentials are missing, invalid or expired (${error.name}: ${error.message}). ` +
        'Refresh them (aws sso login, or the CI role) and run again.',
      { cause: error },
    );
  }
  return new Error(`${action}: ${error.name}: ${error.message}`, { cause: error });
}
