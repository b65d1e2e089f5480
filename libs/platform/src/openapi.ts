import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiResponse } from '@nestjs/swagger';
import { z } from 'zod';
import { errorAnswer } from './api-schemas';

/** A zod schema as the OpenAPI document's JSON Schema. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const jsonSchema = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete jsonSchema.$schema;
  return jsonSchema;
}

/** Documents a request body with the same zod schema that validates it: one source of truth. */
export function ApiBodyFrom(schema: z.ZodType, description?: string): MethodDecorator {
  return ApiBody({ description, schema: jsonSchemaOf(schema, 'input') });
}

/**
 * Documents what an operation answers: its success body (an array of `schema` when `list`),
 * and the error body every refusal has (api-schemas.ts), so a district's IT can generate a
 * typed client. `status` is the success status (200, or 201 for a POST that creates).
 */
export function ApiAnswer(schema: z.ZodType, options: { status?: number; list?: boolean; description?: string } = {}): MethodDecorator {
  const body = jsonSchemaOf(schema, 'output');
  return applyDecorators(
    ApiResponse({ status: options.status ?? 200, description: options.description ?? 'the answer', schema: options.list ? { type: 'array', items: body } : body }),
    ApiResponse({ status: 'default', description: 'a refusal: what was wrong, and for bad input each field', schema: jsonSchemaOf(errorAnswer, 'output') }),
  );
}
