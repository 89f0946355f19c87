import { deepFreeze, Workflow, WorkflowStep } from '@flotilla/decider';

/**
 * given(messages).when(message).then(steps) for a workflow, as deciderSpecification is for a decider: the state is
 * folded from the given messages, and everything the workflow sees is frozen.
 */
export function workflowSpecification<Input, State, Output extends WorkflowStep>(
  workflow: Workflow<Input, State, Output>,
) {
  const fold = (inputs: Input[], from: State = workflow.initialState()) =>
    inputs.reduce((state, input) => deepFreeze(workflow.evolve(state, deepFreeze(input))), deepFreeze(from));
  return {
    given(inputs: Input[], from?: State) {
      return {
        when(input: Input) {
          const run = () => workflow.decide(deepFreeze(input), fold(inputs, from));
          return {
            then(expected: Output[]): void {
              expect(run()).toEqual(expected);
            },
            thenNothingLeft(): void {
              expect(run()).toEqual([]);
            },
          };
        },
      };
    },
  };
}
