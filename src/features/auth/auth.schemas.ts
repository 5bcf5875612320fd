import { z } from 'zod';
import { ROLES } from '../../db/schema/users.ts';
import { MIN_PASSWORD_LENGTH } from './password.ts';

// Messages are i18n keys; parseInput() turns them into field errors.
const email = z.string().trim().toLowerCase().pipe(z.email('validation.email'));
const displayName = z.string().trim().min(1, 'validation.required').max(120, 'error.invalid');
const password = z.string().min(MIN_PASSWORD_LENGTH, 'validation.passwordLength').max(1024, 'error.invalid');

const matches = (v: { password: string; passwordConfirm: string }) => v.password === v.passwordConfirm;
const mismatch = { path: ['passwordConfirm'], message: 'validation.passwordMismatch' };

export const signInSchema = z.object({
  email: z.string().trim().min(1, 'validation.required'),
  password: z.string().min(1, 'validation.required'),
});
export const setupSchema = z.object({ email, displayName, password, passwordConfirm: z.string() }).refine(matches, mismatch);
export const setPasswordSchema = z.object({ password, passwordConfirm: z.string() }).refine(matches, mismatch);
export const createUserSchema = z.object({
  email,
  displayName,
  role: z.enum(ROLES, 'validation.role'),
  password: z.union([z.literal(''), password]).optional(),
});
export const changeRoleSchema = z.object({ role: z.enum(ROLES, 'validation.role') });
