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

export const userSchema = z.strictObject({ id: z.uuid(), email: z.email() }).meta({
  id: 'User',
  examples: [{ id: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a', email: 'ada@example.com' }],
});

export const tokenSchema = z
  .strictObject({
    access_token: z.string().meta({ description: 'HS256 JWT; `sub` is the user id' }),
    token_type: z.literal('bearer'),
  })
  .meta({
    id: 'Token',
    description: 'Send it as `Authorization: Bearer <access_token>`.',
    examples: [{ access_token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…', token_type: 'bearer' }],
  });

export type UserView = z.infer<typeof userSchema>;
export type TokenResponse = z.infer<typeof tokenSchema>;
