import { ErrorCodes } from '@flotilla/contracts';
import { RequestMeta } from '@flotilla/nest-platform';
import { ProjectionRunner } from '@flotilla/projections';
import { FleetView } from '../fleet/fleet-view';
import { FleetScope } from './fleet-scope';
import { OrganizationDirectory } from './organization-directory';

const ORG = 'o1';
const meta = { organizationId: ORG } as RequestMeta;
const product = { organizationId: ORG, name: 'gw', createdAt: '2026-01-01T00:00:00.000Z' };
const firmware = { uuid: 'f1', organizationId: ORG, product: 'gw' };

/**
 * A view that lacks what another instance wrote a moment ago until it is asked to catch up with the log, at which point
 * `written` arrives: the lag every instance's view has behind the others' commits.
 */
function lagging(written: (view: { products: Map<string, unknown>; firmwares: Map<string, unknown> }) => void) {
  const view = {
    products: new Map<string, unknown>(),
    firmwares: new Map<string, unknown>(),
    catchUps: 0,
    async caughtUp() {
      view.catchUps++;
      written(view);
    },
  };
  const scope = new FleetScope(view as unknown as FleetView, {} as ProjectionRunner, {} as OrganizationDirectory);
  return { view, scope };
}

describe('FleetScope: what a request names, as the log has it', () => {
  it('finds a product the view holds without waiting for anything', async () => {
    const { view, scope } = lagging(() => undefined);
    view.products.set('o1/gw', product);
    await scope.product(meta, ORG, 'gw');
    expect(view.catchUps).toBe(0);
  });

  it('finds a product another instance has just created, once the view has caught up with the log', async () => {
    const { view, scope } = lagging((v) => v.products.set('o1/gw', product));
    await scope.product(meta, ORG, 'gw');
    expect(view.catchUps).toBe(1);
  });

  it('answers not found only when the caught-up view lacks it too; another organization without looking', async () => {
    const { view, scope } = lagging(() => undefined);
    await expect(scope.product(meta, ORG, 'gw')).rejects.toMatchObject({ code: ErrorCodes.notFound });
    expect(view.catchUps).toBe(1);
    await expect(scope.product(meta, 'o2', 'gw')).rejects.toMatchObject({ code: ErrorCodes.notFound });
    expect(view.catchUps).toBe(1);
  });

  it("checks a deployment's firmware against the caught-up view, among the request's other checks", async () => {
    const { scope } = lagging((v) => v.firmwares.set('f1', firmware));
    const ofItsProduct = await scope.firmwareCheck(ORG, 'gw', { firmwareUuid: 'f1' });
    expect(ofItsProduct).not.toThrow();
    const ofAnother = await scope.firmwareCheck(ORG, 'other', { firmwareUuid: 'f1' });
    expect(ofAnother).toThrow('firmware f1 is not a firmware of product other');
    const unknown = await lagging(() => undefined).scope.firmwareCheck(ORG, 'gw', { firmwareUuid: 'f9' });
    expect(unknown).toThrow('firmware f9 is not a firmware of product gw');
  });
});
