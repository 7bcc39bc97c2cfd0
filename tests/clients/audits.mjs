// graphql-http's server audits (the GraphQL-over-HTTP spec's MUST and SHOULD) against URL.
// Prints one JSON array of {id, name, status, reason}.
import { serverAudits } from "graphql-http";

const url = process.argv[2];
const results = [];
for (const audit of serverAudits({ url, fetchFn: fetch })) {
  const result = await audit.fn();
  results.push({ id: audit.id, name: audit.name, status: result.status, reason: result.reason ?? "" });
}
console.log(JSON.stringify(results));
