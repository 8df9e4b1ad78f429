/** The Ollama simulator's public API: a real HTTP server speaking Ollama's native wire protocol, and its OpenAI /v1 layer. */
export { startSimulator } from './server.js';
export { DEFAULT_MODELS } from './models.js';
export { defaultChatReply } from './chat.js';
export { defaultGenerateReply } from './generate.js';
export { LEGACY_EMBEDDING_SCALE } from './embed.js';
export type {
  Fault,
  RecordedRequest,
  Reply,
  Script,
  SimulatedModel,
  SimulatedReply,
  SimulatedToolCall,
  Simulator,
  SimulatorOptions,
  SimulatorStats,
} from './types.js';
