import { createHost, type Host, type HostOptions } from 'plugboard';
import { Greeter } from './contracts.js';
import { onCleanup } from './fixtures.js';

type Contracts = readonly [typeof Greeter];

/** A host over the test contract, closed after the test. */
export function testHost(options: Omit<HostOptions<Contracts>, 'contracts'> = {}): Host<Contracts> {
  const host = createHost({ contracts: [Greeter] as const, ...options });
  onCleanup(async () => {
    await host.close();
  });
  return host;
}
