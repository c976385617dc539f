// The operation model every other part reads. It is version-neutral: OpenAPI
// 2.0, 3.0 and 3.1 documents all load into this shape (see load-spec.ts).

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE' | 'OPTIONS' | 'HEAD' | 'PATCH' | 'TRACE';

/** Every method an OpenAPI path item can hold, in the spec's order. */
export const ALL_METHODS: readonly HttpMethod[] = ['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'TRACE'];
export type OpenApiVersion = '2.0' | '3.0' | '3.1';

/** A JSON Schema as ajv reads it (already converted from the spec's dialect). */
export type JsonSchema = Record<string, unknown> | boolean;

export type SecurityScheme =
  | { kind: 'apiKey'; name: string; in: 'header' | 'query' | 'cookie' }
  | { kind: 'basic' }
  | { kind: 'bearer'; format?: string }
  | { kind: 'other'; type: string };

/** One alternative of an operation's security: scheme name -> scopes. All schemes in it apply together. */
export type SecurityRequirement = Record<string, string[]>;

export interface ParameterSpec {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  schema: JsonSchema;
  example?: unknown;
}

export interface ResponseSpec {
  /** '200', '404', '2XX' or 'default', as the spec writes it. */
  status: string;
  contentType?: string;
  schema?: JsonSchema;
  example?: unknown;
}

export interface Operation {
  /** operationId, or METHOD_path when the spec has none. */
  id: string;
  method: HttpMethod;
  /** Path template as in the spec, with the base path prefixed: /v1/pets/{petId}. */
  path: string;
  /** Anchored regex source matching concrete paths of this operation: ^/v1/pets/[^/]+$ */
  pathRegex: string;
  /** Alternatives; [] means unsecured (explicitly or by inheritance). */
  security: SecurityRequirement[];
  parameters: ParameterSpec[];
  requestBody?: { required: boolean; contentType: string; schema?: JsonSchema; example?: unknown };
  responses: ResponseSpec[];
  /** JSON pointer of the operation in the spec, for error messages. */
  pointer: string;
}

export interface Spec {
  file: string;
  version: OpenApiVersion;
  title: string;
  /** Prefix from servers[0].url (3.x) or basePath (2.0), '' when none. */
  basePath: string;
  operations: Operation[];
  securitySchemes: Record<string, SecurityScheme>;
  /** The bundled document (internal $refs kept), for tools that need the original. */
  doc: unknown;
}

/** A concrete HTTP request, ready to send or to print as curl. */
export interface HttpRequestSpec {
  method: HttpMethod;
  /** Path with query string, e.g. /v1/pets?limit=3 */
  path: string;
  headers: Record<string, string>;
  body?: string;
}
