/**
 * Mycel's fallback chat format (see chat.ts) as a node-llama-cpp chat
 * wrapper, so a model without a chat template gets function calling through
 * the same machinery as one with a template: node-llama-cpp's `LlamaChat`
 * spots the call prefix, then holds the name and the arguments to a grammar
 * of the offered functions. A call and its result sit in the assistant block:
 *
 *     <|system|>
 *     Tools (call one as <|tool_call|>NAME {JSON arguments}):
 *     {"name":"get_weather","parameters":{...}}
 *     <|user|>
 *     Weather in Paris?
 *     <|assistant|>
 *     <|tool_call|>get_weather {"city":"Paris"}
 *     <|tool_result|>{"temp":21}
 *
 * Plain messages render exactly as `fallbackChatPrompt` does.
 */
import { ChatWrapper, LlamaText, SpecialToken, type ChatModelFunctions, type ChatWrapperGenerateContextStateOptions, type ChatWrapperGeneratedContextState, type ChatWrapperSettings } from 'node-llama-cpp'

export class FallbackChatWrapper extends ChatWrapper {
  readonly wrapperName = 'MycelFallback'
  private readonly bos: boolean

  override readonly settings: ChatWrapperSettings = {
    ...ChatWrapper.defaultSettings,
    functions: {
      call: { optionalPrefixSpace: true, prefix: '<|tool_call|>', paramsPrefix: ' ', suffix: '\n', emptyCallParamsPlaceholder: {} },
      result: { prefix: '<|tool_result|>', suffix: '\n' }
    }
  }

  /** @param bos whether the model wants a BOS token first (`model.tokens.shouldPrependBosToken`) */
  constructor (bos: boolean) {
    super()
    this.bos = bos
  }

  override generateContextState ({ chatHistory, availableFunctions, documentFunctionParams }: ChatWrapperGenerateContextStateOptions): ChatWrapperGeneratedContextState {
    const history = this.addAvailableFunctionsSystemMessageToHistory(chatHistory, availableFunctions, { documentParams: documentFunctionParams ?? true })
    const blocks = history.map((item, i) => {
      if (item.type === 'system') return LlamaText(['<|system|>\n', LlamaText.fromJSON(item.text), '\n'])
      if (item.type === 'user') return LlamaText(['<|user|>\n', item.text, '\n'])
      const last = i === history.length - 1
      // the open assistant block the model writes into has no closing newline
      return LlamaText(['<|assistant|>\n', this.generateModelResponseText(item.response), last ? '' : '\n'])
    })
    return {
      contextText: LlamaText([this.bos ? new SpecialToken('BOS') : '', ...blocks]),
      stopGenerationTriggers: [LlamaText(new SpecialToken('EOS')), LlamaText('\n<|user|>'), LlamaText('\n<|system|>'), LlamaText('\n<|assistant|>')]
    }
  }

  /** One JSON line per function: the test models' contexts are small, and a real model without a template reads JSON as well as prose. */
  override generateAvailableFunctionsSystemText (availableFunctions: ChatModelFunctions, { documentParams = true }: { documentParams?: boolean }): LlamaText {
    const lines = Object.entries(availableFunctions).map(([name, f]) => JSON.stringify({
      name,
      ...(f.description != null ? { description: f.description } : {}),
      ...(documentParams && f.params != null ? { parameters: f.params } : {})
    }))
    if (lines.length === 0) return LlamaText([])
    return LlamaText(['Tools (call one as <|tool_call|>NAME {JSON arguments}):\n', lines.join('\n')])
  }
}
