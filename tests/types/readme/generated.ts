// Stand-ins for what a README snippet imports from the user's own app.
import { gql } from '@apollo/client/core/index.js';
export const PurchaseOrderDocument = gql`query PurchaseOrder($id: ID!) { purchaseOrder(id: $id) { id _etag } }`;
