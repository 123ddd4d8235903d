import { pickLayer } from "../pickLayer.ts"
import { layerLive } from "./live.ts"
import { layerMock } from "./mock.ts"

export const ContainerCollectorLayer = pickLayer(layerMock, layerLive)
