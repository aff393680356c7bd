import { gql } from '@apollo/client';

export const PURCHASE_ORDERS = gql`
  query PurchaseOrders {
    purchaseOrders {
      id
      number
      supplier
      status
      quantity
      notes
      _etag
      updatedBy
      updatedAt
      supplierRating
      leadTimeDays
    }
  }
`;

export const PURCHASE_ORDER = gql`
  query PurchaseOrder($id: ID!) {
    purchaseOrder(id: $id) {
      id
      number
      supplier
      status
      quantity
      notes
      _etag
      updatedBy
      updatedAt
    }
  }
`;

export const UPDATE_PURCHASE_ORDER = gql`
  mutation UpdatePurchaseOrder($input: UpdatePurchaseOrderInput!) {
    updatePurchaseOrder(input: $input) {
      id
      number
      supplier
      status
      quantity
      notes
      _etag
      updatedBy
      updatedAt
    }
  }
`;

export const PARTS = gql`
  query Parts {
    parts {
      id
      partNumber
      description
      quantity
      _etag
    }
  }
`;

export interface PurchaseOrder {
  id: string;
  number: string;
  supplier: string;
  status: 'OPEN' | 'APPROVED' | 'RECEIVED' | 'CLOSED';
  quantity: number;
  notes: string;
  _etag: string;
  updatedBy: string;
  updatedAt: string;
  supplierRating?: number | null;
  leadTimeDays?: number | null;
}
