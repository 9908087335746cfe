// A core header (fixture: the layer check must refuse the SDK including it).
#pragma once
