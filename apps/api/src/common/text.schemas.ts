import { z } from 'zod';

// C0 controls, DEL and C1 controls. NUL is among them: PostgreSQL cannot store it in text.
const CONTROL = /\p{Cc}/u;
// The same, less tab, line feed and carriage return, which belong in free text.
const CONTROL_BUT_WHITESPACE = /[^\P{Cc}\t\n\r]/u;

// A lone surrogate has no UTF-8 encoding: the driver would store U+FFFD instead.
const wellFormed = (value: string) => value.isWellFormed();

/** One line of text (a title, an email, a password): no control character at all. */
export const singleLineText = () =>
  z
    .string()
    .refine(wellFormed, 'must be valid Unicode')
    .refine((value) => !CONTROL.test(value), 'must not contain control characters');

/** Free text (a description): line breaks and tabs allowed, other control characters refused. */
export const multiLineText = () =>
  z
    .string()
    .refine(wellFormed, 'must be valid Unicode')
    .refine(
      (value) => !CONTROL_BUT_WHITESPACE.test(value),
      'must not contain control characters other than tab and line breaks',
    );
