// An SDK header (fixture).
#pragma once
