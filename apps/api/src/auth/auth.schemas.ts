import { z } from 'zod';
import { singleLineText } from '../common/text.schemas';

// RFC 5321: a local part of at most 64 octets, a forward path of at most 256 including its angle
// brackets, so 254 for the address itself.
const EMAIL_LOCAL_PART_MAX_OCTETS = 64;
const EMAIL_MAX_OCTETS = 254;
const PASSWORD_MAX_LENGTH = 1024;

const email = z
  .email('must be a valid email address')
  .refine(
    (value) => Buffer.byteLength(value) <= EMAIL_MAX_OCTETS,
    `must be at most ${EMAIL_MAX_OCTETS} characters`,
  )
  .refine(
    (value) =>
      Buffer.byteLength(value.slice(0, value.lastIndexOf('@'))) <= EMAIL_LOCAL_PART_MAX_OCTETS,
    `must have at most ${EMAIL_LOCAL_PART_MAX_OCTETS} characters before the @`,
  )
  // The refinements are invisible to the document; it states the bound in characters, as JSON
  // Schema counts, and the octets in words.
  .meta({
    maxLength: EMAIL_MAX_OCTETS,
    description: `At most ${EMAIL_MAX_OCTETS} octets in UTF-8, ${EMAIL_LOCAL_PART_MAX_OCTETS} before the @; stored lower-cased`,
  })
  .transform((value) => value.toLowerCase());

export const registerSchema = z.strictObject({
  email,
  password: singleLineText().min(8, 'must be at least 8 characters').max(PASSWORD_MAX_LENGTH),
});

/** Login checks shape only: a password that could never have been registered simply fails with 401. */
export const loginSchema = z.strictObject({
  email,
  password: singleLineText().min(1, 'is required').max(PASSWORD_MAX_LENGTH),
});

export type RegisterBody = z.infer<typeof registerSchema>;
export type LoginBody = z.infer<typeof loginSchema>;

export const userSchema = z.strictObject({ id: z.uuid(), email: z.email() }).meta({
  id: 'User',
  examples: [{ id: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a', email: 'ada@example.com' }],
});

export const tokenSchema = z
  .strictObject({
    access_token: z.string().meta({
      description: 'HS256 JWT; `sub` is the user id, `iss` and `aud` name this API',
    }),
    token_type: z.literal('bearer'),
  })
  .meta({
    id: 'Token',
    description: 'Send it as `Authorization: Bearer <access_token>`.',
    examples: [{ access_token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…', token_type: 'bearer' }],
  });

export type UserView = z.infer<typeof userSchema>;
export type TokenResponse = z.infer<typeof tokenSchema>;
