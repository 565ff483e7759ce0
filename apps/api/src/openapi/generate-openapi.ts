import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { buildOpenApiDocument, serialiseOpenApiDocument } from './openapi-document';

// `pnpm openapi:generate`: writes the document the client package is generated from.
async function main(): Promise<void> {
  const [target] = process.argv.slice(2);
  if (!target) throw new Error('usage: generate-openapi <output.json>');
  writeFileSync(target, serialiseOpenApiDocument(await buildOpenApiDocument()));
  console.log(`wrote ${target}`);
}

main().catch((error: unknown) => {
  console.error('openapi generation failed:', error);
  process.exit(1);
});
