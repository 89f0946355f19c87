import { once } from 'node:events';
import { Agent, IncomingMessage, request as httpRequest } from 'node:http';
import { freeLoopbackPorts } from '@flotilla/testing';
import { createGateway } from './bootstrap';
import { testGatewayConfig } from './test-fixtures/gateway-config';

describe('the gateway stopping', () => {
  it('answers the request in flight with Connection: close, and stops without waiting out the keep-alive', async () => {
    const [port, natsPort] = await freeLoopbackPorts(2);
    // No NATS there: any answer will do. A keep-alive past the test's own timeout: a stop that waited for it fails.
    const app = await createGateway(testGatewayConfig(port, natsPort, 600_000));
    await app.listen(port, '127.0.0.1');
    const agent = new Agent({ keepAlive: true });
    const body = JSON.stringify({ batches: [{ plan: 'c3.small.x86', operating_system: 'ubuntu_22_04' }] });
    // A kept-alive connection that has already carried one answer, as a client's pool has them.
    const ask = () =>
      httpRequest({
        host: '127.0.0.1',
        port,
        agent,
        method: 'POST',
        path: '/projects/p1/devices/batch',
        headers: { 'X-Auth-Token': 'a'.repeat(40), 'Content-Type': 'application/json', 'Content-Length': body.length },
      });
    const first = ask().end(body);
    const [warm] = (await once(first, 'response')) as [IncomingMessage];
    warm.resume();
    expect(warm.headers.connection).toBe('keep-alive');
    await once(warm, 'end');

    // In flight when the stop begins: half its body sent.
    const inFlight = ask();
    inFlight.write(body.slice(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopped = app.close();
    inFlight.end(body.slice(10));
    const [answer] = (await once(inFlight, 'response')) as [IncomingMessage];
    answer.resume();
    expect(answer.headers.connection).toBe('close');
    await stopped;
    agent.destroy();
  });
});
