import { z } from 'zod';

const email = z
  .email('must be a valid email address')
  .max(320)
  .transform((value) => value.trim().toLowerCase());

export const registerSchema = z.strictObject({
  email,
  password: z.string().min(8, 'must be at least 8 characters').max(1024),
});

/** Login checks shape only: a password that could never have been registered simply fails with 401. */
export const loginSchema = z.strictObject({
  email,
  password: z.string().min(1, 'is required').max(1024),
});

export type RegisterBody = z.infer<typeof registerSchema>;
export type LoginBody = z.infer<typeof loginSchema>;
