// Reads a JSON array of Cypher statements on stdin and writes, for each, the diagnostics of Neo4j's
// semantic analysis other than undeclared parameters (no schema is given, so every $param is one).
import * as m from '@neo4j-cypher/language-support';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const out = JSON.parse(input).map((query) =>
  m.lintCypherQuery(query, {}).diagnostics.filter(m.isNotParamError).map((d) => ({
    severity: d.severity === 1 ? 'error' : 'warning', message: d.message, offsets: d.offsets ?? null,
  })));
process.stdout.write(JSON.stringify(out));
