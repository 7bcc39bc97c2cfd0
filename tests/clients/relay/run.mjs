// relay-runtime against the gateway: two pages of a @connection merged by Relay's
// ConnectionHandler, then a Deployment refetched by its global id through node(id:).
// Usage: node relay/run.mjs <graphql url>; prints one JSON object.
import {
  ConnectionHandler,
  Environment,
  Network,
  RecordSource,
  Store,
  commitLocalUpdate,
  fetchQuery,
} from "relay-runtime";
import ListQuery from "./__generated__/definitionsListQuery.graphql.js";
import RefetchQuery from "./__generated__/definitionsDeploymentRefetchQuery.graphql.js";

const url = process.argv[2];

async function fetchGraphQL(params, variables) {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/graphql-response+json, application/json;q=0.9",
    },
    body: JSON.stringify({ query: params.text, variables }),
  });
  return response.json();
}

const environment = new Environment({
  network: Network.create(fetchGraphQL),
  store: new Store(new RecordSource()),
});

function connection() {
  let found = null;
  commitLocalUpdate(environment, (store) => {
    const records = ConnectionHandler.getConnection(store.getRoot(), "definitions_workloads");
    const edges = records.getLinkedRecords("edges") ?? [];
    found = {
      names: edges.map((e) => e.getLinkedRecord("node").getValue("name")),
      ids: edges.map((e) => e.getLinkedRecord("node").getValue("id")),
      endCursor: records.getLinkedRecord("pageInfo").getValue("endCursor"),
    };
  });
  return found;
}

try {
  await fetchQuery(environment, ListQuery, { first: 1, after: null }).toPromise();
  const first = connection();
  await fetchQuery(environment, ListQuery, { first: 1, after: first.endCursor }).toPromise();
  const merged = connection();
  const id = merged.ids[0];
  await fetchQuery(environment, RefetchQuery, { id }).toPromise();
  // The fragment's data is masked in the query's result; the store holds the record, and
  // `status` came only with the refetch (the list selected id and name).
  const record = environment.getStore().getSource().get(id);
  const refetched = { id, typename: record.__typename, name: record.name, status: record.status };
  console.log(JSON.stringify({ merged: merged.names, refetched }));
} catch (error) {
  console.error(error?.stack ?? String(error));
  process.exit(1);
}
