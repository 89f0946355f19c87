import { RequestMeta } from '@flotilla/nest-platform';

/** An admin command: the request as its route sends it, and who sent it. One subclass per command. */
export abstract class AdminCommand<Request> {
  constructor(
    readonly request: Request,
    readonly meta: RequestMeta,
  ) {}
}
