import { createHost, type Host, type HostOptions, type IsolationMode, type IsolationPolicy } from 'plugboard';
import { Greeter } from './contracts.js';
import { onCleanup } from './fixtures.js';

type Contracts = readonly [typeof Greeter];
type Options = Omit<HostOptions<Contracts>, 'contracts' | 'isolation'>;

/** A host over the test contract, closed after the test. */
export function testHost(options: Options = {}): Host<Contracts> {
  const host = createHost({ contracts: [Greeter] as const, ...options });
  onCleanup(async () => {
    await host.close();
  });
  return host;
}

/** A host that may isolate plugins (every call returns a Promise), closed after the test. */
export function isolatedHost(isolation: IsolationMode | IsolationPolicy, options: Options = {}): Host<Contracts, true> {
  const host = createHost({ contracts: [Greeter] as const, ...options, isolation });
  onCleanup(async () => {
    await host.close();
  });
  return host;
}
