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
