// The proxy thread's entry. Worker threads do not inherit tsx's loader hooks from the thread that
// starts them, so they are registered here before the TypeScript module is imported.
import { register } from 'tsx/esm/api';

register();
await import('./proxy-thread.ts');
