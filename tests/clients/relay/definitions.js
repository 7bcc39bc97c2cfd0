// The Relay operations tests/clients/test_relay.py compiles with relay-compiler against the
// gateway's schema (which must pass the compiler's Relay checks: Node, node(id:),
// connections) and runs with relay-runtime. Never run itself: run.mjs loads the artifacts.
import { graphql } from "relay-runtime";

export const list = graphql`
  query definitionsListQuery($first: Int!, $after: String) {
    workloads(first: $first, after: $after) @connection(key: "definitions_workloads") {
      edges {
        node {
          id
          name
        }
      }
    }
  }
`;

export const deployment = graphql`
  fragment definitions_deployment on Deployment
  @refetchable(queryName: "definitionsDeploymentRefetchQuery") {
    name
    status
  }
`;
