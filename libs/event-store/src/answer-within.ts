/**
 * `answer`, or once `ms` have passed without it, what `late()` returns (or throws): for callers that must answer
 * promptly while a dependency hangs (readiness, metrics). The timer never outlives the answer.
 */
export function answerWithin<T, L>(ms: number, answer: Promise<T>, late: () => L): Promise<T | L> {
  let timer: NodeJS.Timeout | undefined;
  const overdue = new Promise<L>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(late());
      } catch (err) {
        reject(err);
      }
    }, ms);
  });
  return Promise.race([answer, overdue]).finally(() => clearTimeout(timer));
}
