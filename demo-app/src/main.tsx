import { ApolloProvider } from '@apollo/client/react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createClient } from './client';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <ApolloProvider client={createClient()}>
    <App />
  </ApolloProvider>,
);
