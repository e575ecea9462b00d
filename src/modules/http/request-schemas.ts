import type { OpenAPIObject } from '@nestjs/swagger';
import { Ajv, type ValidateFunction } from 'ajv';

/**
 * A quick yes for the request bodies of the hot routes, compiled once from the OpenAPI document's
 * schemas, which the DTOs' decorators build: the same source as the document. Every object is
 * closed, as validation's whitelist closes it, and a format is not checked (the decorators or
 * the rules across fields check what class-validator checks). So a body these schemas accept is
 * one class-validator accepts too, provided each decorator's rule is also stated in the DTO's
 * OpenAPI property (a test holds the DTOs to that); anything else still goes through
 * class-validator, whose answer names every bad field. A no here is never the answer itself.
 */
export class RequestSchemas {
  private readonly ajv = new Ajv({ validateFormats: false, unicodeRegExp: false, allowUnionTypes: true });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor() {
    this.ajv.addVocabulary(['example']);
  }

  /**
   * The component schemas of the document the app serves, the named ones compiled now (a schema
   * ajv cannot compile stops the start, not a request); until loaded, every check answers no.
   */
  load(document: Pick<OpenAPIObject, 'components'>, names: readonly string[]): void {
    this.ajv.removeSchema(DOCUMENT_ID);
    this.compiled.clear();
    this.ajv.addSchema({ $id: DOCUMENT_ID, $defs: closed(document.components?.schemas ?? {}) });
    for (const name of names) {
      const validate = this.ajv.getSchema(`${DOCUMENT_ID}#/$defs/${name}`);
      if (!validate) throw new Error(`the OpenAPI document has no schema ${name}`);
      this.compiled.set(name, validate);
    }
  }

  /** Whether the body certainly passes the named DTO's validation; false says nothing either way. */
  accepts(name: string, body: unknown): boolean {
    return this.compiled.get(name)?.(body) === true;
  }
}

const DOCUMENT_ID = 'herald-openapi';

const COMPONENT = '#/components/schemas/';

/** Every object schema with properties and no word on others gets additionalProperties: false; a component's $ref points into $defs. */
function closed(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closed);
  if (typeof node !== 'object' || node === null) return node;
  const schema = Object.fromEntries(
    Object.entries(node).map(([k, v]) => [k, k === 'example' || k === 'examples' ? v : k === '$ref' && typeof v === 'string' && v.startsWith(COMPONENT) ? `#/$defs/${v.slice(COMPONENT.length)}` : closed(v)]),
  );
  if ('properties' in schema && !('additionalProperties' in schema)) schema.additionalProperties = false;
  return schema;
}

/** The schemas of the running app's document: loaded where the document is built. */
export const requestSchemas = new RequestSchemas();
